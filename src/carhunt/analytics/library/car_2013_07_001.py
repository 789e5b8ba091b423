"""CAR-2013-07-001: Suspicious Arguments."""

from carhunt.analytics.base import Analytic, Parameter, Technique

IPV4_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IPV4 = rf"\b{IPV4_OCTET}(?:\.{IPV4_OCTET}){{3}}\b"

# One boolean per sub-pattern, and a hit lists every sub-pattern that matched.
RECOMMENDED_PATTERNS = rf"""
        regexp_matches(command_line, '(?i)(?:^|\s)-R\s')
            AND regexp_matches(command_line, '(?i)(?:^|\s)-pw\s') AS port_fwd,
        regexp_matches(command_line, '(?i)(?:^|\s)-pw\s+\S+\s+(?:.*\s)?\S+@\S+') AS scp,
        regexp_matches(command_line, '(?i)sekurlsa') AS mimikatz,
        regexp_matches(command_line, '(?i)(?:^|\s)-hp') AS rar,
        contains(lower(command_line), ' a ') AS archive,
        $ip_addr AND regexp_matches(command_line, '{IPV4}') AS ip_addr"""

# CAR's pseudocode regexes as written, searched case-insensitively.
STRICT_PATTERNS = r"""
        regexp_matches(command_line, '(?i)-R .* -pw') AS port_fwd,
        regexp_matches(command_line, '(?i)-pw .* .* .*@.*') AS scp,
        regexp_matches(command_line, '(?i)sekurlsa') AS mimikatz,
        regexp_matches(command_line, '(?i) -hp ') AS rar,
        regexp_matches(command_line, '(?i).* a .*') AS archive,
        $ip_addr AND regexp_matches(command_line, '\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}')
            AS ip_addr"""

SELECTION = """
WITH candidates AS (
    SELECT
        time,
        hostname,
        event_ref,
        "user",
        exe,
        lower(exe) AS exe_key,
        image_path,
        command_line,
        parent_exe,{patterns}
    FROM process_create
    WHERE command_line IS NOT NULL
),
matched AS (
    SELECT
        time,
        hostname,
        event_ref,
        "user",
        exe,
        image_path,
        command_line,
        parent_exe,
        list_concat(
            CASE WHEN port_fwd THEN ['port_fwd'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN scp THEN ['scp'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN mimikatz THEN ['mimikatz'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN rar THEN ['rar'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN archive THEN ['archive'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN ip_addr THEN ['ip_addr'] ELSE CAST([] AS VARCHAR[]) END
        ) AS matched_subrules,
        list_concat(
            CASE WHEN port_fwd AND NOT coalesce(list_contains($ssh_tools, exe_key), false)
                THEN ['port_fwd'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN scp AND NOT coalesce(list_contains($ssh_tools, exe_key), false)
                THEN ['scp'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN mimikatz AND NOT coalesce(list_contains($mimikatz_tools, exe_key), false)
                THEN ['mimikatz'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN rar AND NOT coalesce(list_contains($rar_tools, exe_key), false)
                THEN ['rar'] ELSE CAST([] AS VARCHAR[]) END,
            CASE WHEN archive AND NOT coalesce(list_contains($archive_tools, exe_key), false)
                THEN ['archive'] ELSE CAST([] AS VARCHAR[]) END
        ) AS unexpected_exe
    FROM candidates
    WHERE port_fwd OR scp OR mimikatz OR rar OR archive OR ip_addr
)
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    matched_subrules,
    CASE WHEN exe IS NULL AND array_length(unexpected_exe) > 0 THEN ['exe']
        ELSE CAST([] AS VARCHAR[]) END AS field_missing,
    CASE WHEN array_length(unexpected_exe) > 0 THEN ['unexpected_exe']
        ELSE CAST([] AS VARCHAR[]) END AS flags,
    unexpected_exe,
    "user",
    exe,
    image_path,
    command_line,
    parent_exe
FROM matched
"""

QUERY = SELECTION.format(patterns=RECOMMENDED_PATTERNS)
STRICT_QUERY = SELECTION.format(patterns=STRICT_PATTERNS)

ANALYTIC = Analytic(
    id="CAR-2013-07-001",
    title="Suspicious Arguments",
    description=(
        "Command lines with arguments typical of attacker tools, each a sub-rule, all "
        "case-insensitive: port_fwd (-R and -pw, any order: PuTTY/plink remote port "
        "forwarding with a password), scp (-pw, a password token, later a user@host "
        "token), mimikatz (sekurlsa), rar (-hp, RAR header encryption, password glued "
        "on), archive (' a ', low fidelity, as CAR-2013-07-005) and ip_addr (a dotted "
        "IPv4 address with octets 0-255; lower severity, version strings match too; "
        "ip_addr = false turns it off). unexpected_exe lists the sub-rules matched by a "
        "program outside the tool lists (a renamed tool), and flags the hit. Switches in "
        "quotes or after tabs are not seen by the blank-delimited forms."
    ),
    analytic_type="TTP",
    techniques=(
        Technique("T1003.001", "LSASS Memory", ("TA0006",), "Low"),
        Technique("T1021", "Remote Services", ("TA0008",), "Moderate"),
        Technique("T1105", "Ingress Tool Transfer", ("TA0011", "TA0008"), "Moderate"),
    ),
    fields=(
        "process_create.command_line",
        "process_create.event_ref",
        "process_create.exe",
        "process_create.hostname",
        "process_create.image_path",
        "process_create.parent_exe",
        "process_create.time",
        "process_create.user",
    ),
    parameters=(
        Parameter("ip_addr", True, "Report the ip_addr sub-rule (IPv4 address anywhere)"),
        Parameter(
            "ssh_tools",
            ("putty.exe", "plink.exe", "pscp.exe"),
            "Programs expected to use port_fwd and scp arguments",
            casefold=True,
        ),
        Parameter(
            "mimikatz_tools",
            ("mimikatz.exe",),
            "Programs expected to use mimikatz arguments",
            casefold=True,
        ),
        Parameter(
            "rar_tools",
            ("rar.exe", "winrar.exe"),
            "Programs expected to use rar arguments",
            casefold=True,
        ),
        Parameter(
            "archive_tools",
            ("7z.exe", "7za.exe", "rar.exe", "winrar.exe"),
            "Programs expected to use archive arguments",
            casefold=True,
        ),
    ),
    query=QUERY,
    strict_query=STRICT_QUERY,
    strict_difference=(
        "CAR-strict uses the pseudocode regexes as written: port_fwd needs -R before "
        "-pw ('-R .* -pw'), scp needs three blank-separated parts after -pw, rar needs "
        "' -hp ' with a blank after it, and ip_addr accepts any 1-3 digits per octet."
    ),
    key_fields=("matched_subrules", "command_line"),
)
