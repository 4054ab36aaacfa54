"""Messages of the importer itself. The domain rules' messages are not here: they come from
`ebikeops.operations.errors` and from the models' fields, exactly as the services raise them."""

# File-level problems: the import stops and writes nothing.
MAPPING_INVALID = "The mapping file is not valid TOML: {error}"
MAPPING_UNKNOWN_FIELD = "The mapping names {field!r}, which {kind} do not have. Known fields: {known}."
MAPPING_MISSING_FIELD = "The mapping gives no column or default for the required field {field!r}."
MAPPING_NO_COLUMN = "The mapping names the column {column!r} for {field!r}, but the file has no such column."
MAPPING_BAD_TIMEZONE = "Unknown time zone {value!r}: use an IANA name such as 'Europe/London'."
MAPPING_BAD_CRS = "Unknown CRS {value!r}: use an EPSG code such as 'EPSG:27700'."
MAPPING_NO_SOURCE_SYSTEM = "The mapping must name the source_system the records come from."
FILE_EMPTY = "The file has no header row."
FILE_NOT_UTF8 = "The file is not UTF-8 text: {error}"
FILE_MALFORMED = "The file could not be read as {format}: {error}"
FILE_NOT_ITS_FORMAT = "The file's content is not {format}, as its name ({suffix}) says."
FILE_NOT_POINTS = "The layer holds {geom_type} geometries; only points can be imported."
FILE_UNSUPPORTED = "Unsupported file type {suffix!r}: use .csv, .geojson, .json, .gpkg or .shp (zipped)."

# Row-level problems that only an import can have.
COORDINATE_INVALID = "“{value}” is not a number of degrees (or metres, in the mapping's CRS)."
OPERATION_REF_NOT_FOUND = (
    "No operation with the external reference {value!r} from this source system, nor with this reference."
)
DUPLICATE_EXTERNAL_REF_IN_FILE = "Row {row} of this file already has this external reference."
DUPLICATE_REFERENCE_IN_FILE = "Row {row} of this file already has this operation reference."
