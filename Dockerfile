# The production image: the same code and commands that the tests run natively.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY trialsite trialsite
COPY randomization randomization
COPY visits visits
COPY endpoints endpoints
RUN pip install --no-cache-dir .
COPY . .
# Built with DEBUG off, so the manifest the production static storage reads is written.
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-a-secret \
    DATABASE_URL=postgres://unused@localhost/unused \
    python manage.py collectstatic --no-input
# The worker's kept columns (docker-compose's `cohort` volume takes this folder's owner and
# mode): its user's alone, or endpoints/cohort_cache.py will not use it.
RUN install -d -o nobody -m 700 /var/cache/trialsite/cohort
USER nobody
EXPOSE 8000
