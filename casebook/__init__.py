"""The trial's casebook declared once: every clinical form, its fields and where it goes.

Each app declares its forms in a `crfs.py` module (as edc declares a `CrfCollection`); the
registry (`casebook.site`) collects them when Django starts. Services, serializers, HTML forms,
the timeline, exports, ODM, the data dictionary and signature fingerprints read the
declarations; the business rules stay in each app's services.
"""
