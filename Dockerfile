# TaskFlow Hub: one process serving HTTP and WebSocket. Data (SQLite, secret key) in /data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HUB_HOST=0.0.0.0 HUB_PORT=8000 HUB_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY bridges ./bridges
COPY webui ./webui
RUN pip install --no-cache-dir . && useradd --system --home /data hub && mkdir -p /data && chown hub /data
USER hub
VOLUME /data
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"
CMD ["taskflow-hub", "serve"]
