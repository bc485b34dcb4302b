# Roundtable's production image (issue 15). Two stages:
#   build    installs the locked runtime dependencies (uv.lock, no dev group) into /app/.venv
#   runtime  the same base image, that virtualenv, the app code and the migrations; no uv,
#            no pip cache, no tests, no .git, no .env; runs as an unprivileged user.
#
# Build:   docker build -t roundtable:$(git rev-parse --short HEAD) .
# Migrate: docker run --rm --env-file deploy/production.env roundtable:TAG python -m app migrate
#          (a one-shot before each deploy; deploy/compose.yaml runs it as the `migrate` service)
# Serve:   the default command, `python -m app serve --host 0.0.0.0` on port 8000 (PORT);
#          more worker processes with `--workers N` (deploy/compose.yaml: APP_WORKERS).
# Mail:    `python -m app worker` with EMAIL_DELIVERY=worker for both it and the web processes.
#
# The base image is pinned by digest, not only by tag, so that a rebuild gets the same bytes.
# The digest is the multi-arch index of python:3.11-slim-bookworm (Python 3.11.16) as public
# Dockerfiles pin it; Docker Hub was not reachable from the machine this was written on, so
# confirm it with the command below before the first build. The same digest is in every
# FROM (tests/production/test_image.py checks it).
# To refresh it (a Python or Debian security release), read the "Digest:" line of
#   docker buildx imagetools inspect python:3.11-slim-bookworm
# put it in every FROM line below, rebuild, and run the tests before deploying.
FROM python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91 AS build

# uv from PyPI, pinned to the version that wrote uv.lock; it stays in this stage.
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
COPY pyproject.toml uv.lock ./
# --locked: fail if uv.lock does not match pyproject.toml; --no-dev: none of the test,
# lint or browser tooling; the project itself is not a package (tool.uv.package = false).
RUN uv sync --locked --no-dev --no-install-project --no-cache


FROM python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91 AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=8000

# A system user with no home, no shell and no password; numeric so that orchestrators
# that check runAsNonRoot can see it is not 0.
RUN groupadd --system --gid 10001 roundtable \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin roundtable

WORKDIR /app
# Only what runs: the virtualenv, the application, the migrations and their config.
# Owned by root and not writable by the app user.
COPY --from=build /app/.venv /app/.venv
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
RUN python -m compileall -q app migrations

USER 10001:10001
EXPOSE 8000

# Liveness only (/healthz touches no database); readiness is /readyz, checked by the
# migrate-then-serve order in deploy/compose.yaml and by the uptime monitor.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz\", timeout=4)"]

# Host and port also come from HOST and PORT; the app owns the proxy-header handling
# (TRUSTED_PROXIES), uvicorn's is off.
CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0"]
