from ebikeops.imports.command import ImportCommand


class Command(ImportCommand):
    kind = "operations"
