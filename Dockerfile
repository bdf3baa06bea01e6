FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY moderation moderation
COPY workers workers
COPY templates templates
COPY migrations migrations
RUN pip install --no-cache-dir .
ENV FLASK_APP=moderation
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "moderation.wsgi:app"]
