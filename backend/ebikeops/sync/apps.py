from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "ebikeops.sync"
    label = "sync"
    verbose_name = "Offline sync: idempotency, tombstones and seizure photos"
