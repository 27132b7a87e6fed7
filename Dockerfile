# signage: the API, staff console and web player on one port, data in the /data volume.
FROM python:3.11-slim

# ffprobe/ffmpeg check and measure uploaded video; DejaVu draws the demo artwork.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
RUN pip install --no-cache-dir "uv==0.13.9"
COPY pyproject.toml uv.lock README.md ./
# Locked dependencies first (a layer that survives code changes), then the package itself.
RUN uv export --frozen --no-dev --no-emit-project --no-hashes -o /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt
COPY signage ./signage
COPY migrations ./migrations
COPY players ./players
RUN pip install --no-cache-dir --no-deps . && rm -rf /src

RUN useradd --system --uid 10001 --create-home --home-dir /home/signage signage \
    && mkdir /data && chown signage:signage /data
USER signage
WORKDIR /data
ENV SIGNAGE_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"

CMD ["signage", "serve", "--host", "0.0.0.0", "--port", "8000"]
