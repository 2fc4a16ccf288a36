# Shomei production image: slim, non-root; runs migrations, then the server.
# PostgreSQL comes from SHOMEI_DATABASE_URL; the key-encryption key from SHOMEI_KEK or SHOMEI_KEK_FILE.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY issuer ./issuer
COPY verifier ./verifier
COPY proofs ./proofs
COPY media ./media
COPY profiles ./profiles
COPY schemas ./schemas
COPY migrations ./migrations
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    SHOMEI_ENVIRONMENT=production SHOMEI_HOST=0.0.0.0 SHOMEI_PORT=8000
COPY --from=build /install /usr/local
# A Japanese font for badge PNGs and PDF certificates of CJK titles (media/render.py, media/certificate.py).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-ipaexfont-gothic \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin shomei
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)" || exit 1
CMD ["sh", "-c", "shomei db upgrade && exec shomei serve --workers ${SHOMEI_WORKERS:-2}"]
