# Docket's image: one image, three process types (the Procfile's), chosen by the command.
#   docker compose up          -> PostgreSQL, the release (migrations), web and clock
#   docker run IMAGE           -> web (the default command: the Procfile's web line)
#   docker run IMAGE python -m bot clock
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=3000

WORKDIR /app

# The dependencies in their own layer: only pyproject.toml is needed to install them, so an
# edit to the code reuses this layer.  An empty package stands in for the code meanwhile.
COPY pyproject.toml README.md ./
RUN mkdir -p bot handlers models \
    && touch bot/__init__.py handlers/__init__.py models/__init__.py \
    && pip install . \
    && pip uninstall --yes docket \
    && rm -rf bot handlers models build

# The code, its message catalogs compiled (never committed), then the package itself.
COPY bot ./bot
COPY handlers ./handlers
COPY models ./models
COPY Procfile gunicorn.conf.py ./
RUN pybabel compile -d bot/views/locale -D docket \
    && pip install --no-deps . \
    && rm -rf build

RUN useradd --create-home --uid 10001 docket
USER docket

EXPOSE 3000
# 200 while the database answers (GET /healthz; with `run` in Socket Mode, also while the
# connection to Slack is up); the clock and release services of compose.yaml
# serve no HTTP and turn this off.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"

# The Procfile's web line, word for word (tests/unit/test_container.py checks it).
CMD gunicorn --bind 0.0.0.0:$PORT --workers ${WEB_CONCURRENCY:-2} --threads 16 --timeout 30 'bot.app:create_app()'
