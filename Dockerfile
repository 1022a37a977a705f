# Praktikbot production image: `docker compose up -d` (see README).
# Every Python package comes from requirements.lock, checked against its hashes (`make lock`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DATA_DIR=/data \
    KNOWLEDGE_DIR=/app/knowledge \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8080

WORKDIR /app
# The locked dependencies first: this layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY pyproject.toml README.md LICENSE babel.cfg ./
COPY bot ./bot
# The default documents; docker compose mounts the host's knowledge/ over them.
COPY knowledge ./knowledge
# Compile the gettext catalogues first so the .mo files are part of the installed package;
# the project itself adds no package (--no-deps) and builds with the locked setuptools.
RUN pybabel compile --use-fuzzy -d bot/locale -D messages \
    && pip install --no-deps --no-build-isolation . \
    && useradd --system --uid 10001 --home-dir /data praktikbot \
    && mkdir -p /data && chown praktikbot /data

USER praktikbot
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"
CMD ["praktikbot", "run"]
