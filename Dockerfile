FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 nodejs npm make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY package.json package-lock.json Makefile ./
COPY . .
RUN make assets && useradd --system --uid 1000 wijkaanpak && mkdir -p /data/private && chown wijkaanpak /data/private
USER wijkaanpak
EXPOSE 8000
