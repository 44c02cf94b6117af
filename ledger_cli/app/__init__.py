"""The application: the one write path (writer.py) behind the service (service.py), the queries,
verification, and the records they answer with."""
