"""SQLAlchemy 2 adapters: models, migrations, repositories and the unit of work."""
