"""CAR-2013-05-002: Suspicious Run Locations."""

from carhunt.analytics.base import Analytic, Parameter, Technique

# Image paths are compared lower-cased. A drive letter or an NT device prefix
# (\Device\HarddiskVolumeN, as some tools log images) may precede the folders that
# CAR names by drive. The Windows directory is a parameter: the lazy prefix before
# the first \tasks\ or \debug\ must be one of the configured roots, so that
# C:\Windows\System32\Tasks\ does not count.
# NOTE: a device-path image (\Device\HarddiskVolume3\Windows\Tasks\x.exe) is not
# matched against the Windows directory, because the volume of C: is not known offline.
DRIVE = r"^(?:[a-z]:|\\device\\harddiskvolume[0-9]+)\\"

QUERY = rf"""
WITH located AS (
    SELECT
        time,
        hostname,
        event_ref,
        "user",
        image_path,
        command_line,
        parent_image_path,
        md5_hash,
        sha1_hash,
        sha256_hash,
        regexp_matches(lower(image_path), '{DRIVE}recycler\\') AS recycler,
        regexp_matches(lower(image_path), '{DRIVE}system ?volume ?information\\')
            AS system_volume_information,
        list_contains($system_roots, regexp_extract(lower(image_path), '^(.*?)\\tasks\\', 1))
            AS tasks,
        list_contains($system_roots, regexp_extract(lower(image_path), '^(.*?)\\debug\\', 1))
            AS debug,
        $extension AND regexp_matches(lower(image_path), '{DRIVE}\$recycle\.bin\\')
            AS recycle_bin,
        $extension AND list_contains(
            $system_roots,
            regexp_extract(
                lower(image_path),
                '^(.*?)\\(?:fonts|help|drivers|addins|cursors|system32\\tasks)\\',
                1
            )
        ) AS extension_folder
    FROM process_create
    WHERE image_path IS NOT NULL
),
matched AS (
    SELECT
        time,
        hostname,
        event_ref,
        "user",
        image_path,
        command_line,
        parent_image_path,
        md5_hash,
        sha1_hash,
        sha256_hash,
        list_concat(
            CASE WHEN recycler THEN ['recycler'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN system_volume_information THEN ['system_volume_information']
                ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN tasks THEN ['tasks'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN debug THEN ['debug'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN recycle_bin THEN ['recycle_bin'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN extension_folder THEN ['extension_folder'] ELSE CAST([] AS VARCHAR[]) END
        ) AS matched_subrules
    FROM located
    WHERE recycler OR system_volume_information OR tasks OR debug OR recycle_bin
        OR extension_folder
)
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    matched_subrules,
    matched_subrules[1] AS matched_location,
    "user",
    image_path,
    command_line,
    parent_image_path,
    md5_hash,
    sha1_hash,
    sha256_hash
FROM matched
"""

# CAR's globs as written: *:\RECYCLER\* and *:\SystemVolumeInformation\* match
# anywhere in the path, and the run-together folder name never occurs on disk.
STRICT_QUERY = r"""
WITH located AS (
    SELECT
        time,
        hostname,
        event_ref,
        "user",
        image_path,
        command_line,
        parent_image_path,
        md5_hash,
        sha1_hash,
        sha256_hash,
        contains(lower(image_path), ':\recycler\') AS recycler,
        contains(lower(image_path), ':\systemvolumeinformation\') AS system_volume_information,
        list_contains($system_roots, regexp_extract(lower(image_path), '^(.*?)\\tasks\\', 1))
            AS tasks,
        list_contains($system_roots, regexp_extract(lower(image_path), '^(.*?)\\debug\\', 1))
            AS debug
    FROM process_create
    WHERE image_path IS NOT NULL
),
matched AS (
    SELECT
        time,
        hostname,
        event_ref,
        "user",
        image_path,
        command_line,
        parent_image_path,
        md5_hash,
        sha1_hash,
        sha256_hash,
        list_concat(
            CASE WHEN recycler THEN ['recycler'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN system_volume_information THEN ['system_volume_information']
                ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN tasks THEN ['tasks'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN debug THEN ['debug'] ELSE CAST([] AS VARCHAR[]) END
        ) AS matched_subrules
    FROM located
    WHERE recycler OR system_volume_information OR tasks OR debug
)
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    matched_subrules,
    matched_subrules[1] AS matched_location,
    "user",
    image_path,
    command_line,
    parent_image_path,
    md5_hash,
    sha1_hash,
    sha256_hash
FROM matched
"""

ANALYTIC = Analytic(
    id="CAR-2013-05-002",
    title="Suspicious Run Locations",
    description=(
        "Processes whose image sits in a folder programs should never run from: "
        "X:\\RECYCLER\\, X:\\System Volume Information\\ (spaces optional, as CAR writes "
        "it run together), and the Tasks and debug folders directly under the Windows "
        "directory (system_roots, default C:\\Windows; give every root without a trailing "
        "backslash). Paths are compared as prefixes, case-insensitively; an NT device "
        "prefix (\\Device\\HarddiskVolumeN) is accepted where CAR writes a drive letter. "
        "8.3 short names (SYSTEM~1) are not matched. The extension parameter (off, not "
        "CAR) adds X:\\$Recycle.Bin\\ and Sigma's extra folders under the Windows "
        "directory: fonts, help, drivers, addins, cursors and System32\\Tasks."
    ),
    analytic_type="TTP",
    techniques=(Technique("T1036", "Masquerading", ("TA0005",), "Low"),),
    fields=(
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.hostname",
        "process_create.image_path",
        "process_create.md5_hash",
        "process_create.parent_image_path",
        "process_create.sha1_hash",
        "process_create.sha256_hash",
        "process_create.time",
        "process_create.user",
    ),
    parameters=(
        Parameter(
            "system_roots",
            ("C:\\Windows",),
            "Windows directories (SystemRoot) whose Tasks and debug folders count",
            casefold=True,
        ),
        Parameter(
            "extension",
            False,
            "Also match X:\\$Recycle.Bin\\ and Sigma's extra Windows folders (not CAR)",
        ),
    ),
    query=QUERY,
    strict_query=STRICT_QUERY,
    strict_difference=(
        "CAR-strict applies CAR's globs as written: :\\RECYCLER\\ and "
        ":\\SystemVolumeInformation\\ anywhere in the path (the run-together name never "
        "matches a real folder), with no device-path form and no extension."
    ),
    key_fields=("matched_location", "image_path"),
)
