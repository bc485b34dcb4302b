"""`python -m app audit`: a launch-readiness scorecard of a live deployment (C27)."""
