# Partner Data Pack: the dashboard under gunicorn. The steps mirror what .ci/run proves on a clean machine.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt requirements-dev.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# The image carries the demo pack; mount a processed-data folder at /app/data/processed (or set
# PDP_PROCESSED_DIR) to serve real releases. The dashboard itself never builds one.
RUN python -m etl demo --out /app/data/processed
EXPOSE 8050
# gunicorn also reads /app/gunicorn.conf.py (threaded workers, keep-alive, warm-up before taking connections).
CMD ["gunicorn", "app:server", "--bind", "0.0.0.0:8050", "--workers", "2", "--no-control-socket", "--timeout", "120"]
