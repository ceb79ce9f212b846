"""``make soak``: mixed traffic from locust against gunicorn + PostgreSQL + Redis, with the
simulator as WeChat, then the invariants checked in the database and at the simulator."""
