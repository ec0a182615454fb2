"""Data shipped with the app: the service catalogue, questionnaire versions, demo units."""
