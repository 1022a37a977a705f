# Praktikbot production image: `docker compose up -d` (see README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DATA_DIR=/data \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8080

WORKDIR /app
COPY pyproject.toml README.md LICENSE babel.cfg ./
COPY bot ./bot
COPY knowledge ./knowledge
# Compile the gettext catalogues first so the .mo files are part of the installed package.
RUN pip install "babel>=2.14" \
    && pybabel compile --use-fuzzy -d bot/locale -D messages \
    && pip install . \
    && useradd --system --uid 10001 --home-dir /data praktikbot \
    && mkdir -p /data && chown praktikbot /data

USER praktikbot
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"
CMD ["praktikbot", "run"]
