"""Resource managers, one per part of the API; reached through ``client.<resource>``."""
