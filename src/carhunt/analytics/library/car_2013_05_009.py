"""CAR-2013-05-009: Running executables with same hash and different names."""

from carhunt.analytics.base import Analytic, Parameter, Technique

# One algorithm for the whole data set, so that hashes are never compared across
# algorithms: MD5 as CAR names it when any event has one, else whichever of SHA-256
# and SHA-1 more events carry (SHA-256 on a tie). IMPHASH is never used.
QUERY = """
WITH algorithm AS (
    SELECT
        CASE
            WHEN count(md5_hash) > 0 THEN 'md5'
            WHEN count(sha256_hash) > 0 AND count(sha256_hash) >= count(sha1_hash)
                THEN 'sha256'
            WHEN count(sha1_hash) > 0 THEN 'sha1'
        END AS name
    FROM process_create
),
hashed AS (
    SELECT
        p.time AS time,
        p.hostname AS hostname,
        p.event_ref AS event_ref,
        p.image_path AS image_path,
        lower(p.exe) AS exe_key,
        a.name AS algorithm,
        CASE a.name
            WHEN 'md5' THEN p.md5_hash
            WHEN 'sha256' THEN p.sha256_hash
            WHEN 'sha1' THEN p.sha1_hash
        END AS hash
    FROM process_create AS p
    CROSS JOIN algorithm AS a
    WHERE p.exe IS NOT NULL
),
valid AS (
    SELECT time, hostname, event_ref, image_path, exe_key, algorithm, hash
    FROM hashed
    WHERE hash IS NOT NULL AND NOT regexp_matches(hash, '^0+$')
),
shared AS (
    SELECT hash
    FROM valid
    GROUP BY hash
    HAVING count(DISTINCT exe_key) >= $min_names
),
per_name AS (
    SELECT v.hash AS hash, v.exe_key AS exe_key, count(*) AS events
    FROM valid AS v
    JOIN shared AS s ON s.hash = v.hash
    GROUP BY v.hash, v.exe_key
),
name_counts AS (
    SELECT hash, list_sort(list(exe_key || ': ' || CAST(events AS VARCHAR))) AS exe_counts
    FROM per_name
    GROUP BY hash
)
SELECT
    min(v.time) AS time,
    min_by(v.hostname, v.time) AS hostname,
    list_sort(list(v.event_ref)) AS evidence,
    any_value(v.algorithm) AS algorithm,
    v.hash AS hash,
    list_sort(list(DISTINCT v.exe_key)) AS exes,
    any_value(c.exe_counts) AS exe_counts,
    list_sort(list(DISTINCT v.image_path)) AS image_paths,
    list_sort(list(DISTINCT v.hostname)) AS hosts,
    min(v.time) AS first_seen,
    max(v.time) AS last_seen
FROM valid AS v
JOIN name_counts AS c ON c.hash = v.hash
GROUP BY v.hash
"""

ANALYTIC = Analytic(
    id="CAR-2013-05-009",
    title="Running executables with same hash and different names",
    description=(
        "One image hash started under at least min_names (2) different program names, "
        "over the whole data set and all hosts: a renamed system utility or tool. Names "
        "are compared case-insensitively, so PsExec.exe and psexec.exe are one name. The "
        "hash is MD5 as CAR names it, or when no event has MD5 the one of SHA-256 and "
        "SHA-1 that more events carry; algorithms are never mixed, and empty or all-zero "
        "hashes are skipped. This is the title's relation; CAR's Splunk and LogPoint "
        "searches count the inverse (one image path, several hashes), which is not "
        "reported. Installers copying themselves under temporary names are the usual "
        "false positives."
    ),
    analytic_type="TTP",
    techniques=(
        Technique("T1036.003", "Rename System Utilities", ("TA0005",), "Moderate"),
    ),
    fields=(
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.image_path",
        "process_create.md5_hash",
        "process_create.sha1_hash",
        "process_create.sha256_hash",
        "process_create.time",
    ),
    parameters=(
        Parameter(
            "min_names", 2, "Minimum number of different names sharing one hash", minimum=2
        ),
    ),
    query=QUERY,
    key_fields=("exes", "hash"),
)
