"""Server-rendered member pages: the same services and authorization layer as the API."""
