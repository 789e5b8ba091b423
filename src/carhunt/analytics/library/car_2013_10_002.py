"""CAR-2013-10-002: DLL Injection via Load Library."""

from carhunt.analytics.base import Analytic, Parameter, Technique

ANALYTIC = Analytic(
    id="CAR-2013-10-002",
    title="DLL Injection via Load Library",
    description=(
        "Remote threads whose start function is LoadLibraryA or LoadLibraryW, unless "
        "the injecting image is on the trusted_injectors allowlist of full paths "
        "(empty by default; AV, EDR and accessibility tools are the usual entries). "
        "Matching is on the function name, not the module path, so WOW64 targets "
        "that start in SysWOW64's kernel32 are in. Shellcode threads with no start "
        "module or function, reflective loading and LdrLoadDll are out of scope. "
        "src_image_path is Sysmon's SourceImage, an extension of CAR's thread model; "
        "a thread with no source image cannot be shown to be trusted, so it is a hit "
        "flagged field_missing."
    ),
    analytic_type="TTP",
    techniques=(
        Technique("T1055.001", "Dynamic-link Library Injection", ("TA0005",), "Moderate"),
        Technique("T1548.002", "Bypass User Account Control", ("TA0004",), "Moderate"),
    ),
    fields=(
        "thread_remote_create.event_ref",
        "thread_remote_create.hostname",
        "thread_remote_create.src_image_path",
        "thread_remote_create.src_pid",
        "thread_remote_create.start_address",
        "thread_remote_create.start_function",
        "thread_remote_create.start_module",
        "thread_remote_create.tgt_image_path",
        "thread_remote_create.tgt_pid",
        "thread_remote_create.tgt_tid",
        "thread_remote_create.time",
        "thread_remote_create.user",
    ),
    parameters=(
        Parameter(
            "functions",
            ("LoadLibraryA", "LoadLibraryW"),
            "Start functions that mark a LoadLibrary injection; LoadLibraryExA and "
            "LoadLibraryExW are an optional, non-CAR extension",
            casefold=True,
        ),
        Parameter(
            "trusted_injectors",
            (),
            "Full image paths of programs allowed to inject (compared case-insensitively)",
            casefold=True,
        ),
    ),
    query="""
SELECT
    time,
    hostname,
    [event_ref] AS evidence,
    CASE WHEN src_image_path IS NULL THEN ['src_image_path'] ELSE CAST([] AS VARCHAR[]) END
        AS field_missing,
    src_pid,
    src_image_path,
    tgt_pid,
    tgt_image_path,
    tgt_tid,
    start_address,
    start_module,
    start_function,
    "user"
FROM thread_remote_create
WHERE list_contains($functions, lower(start_function))
  AND (src_image_path IS NULL OR NOT list_contains($trusted_injectors, lower(src_image_path)))
""",
    key_fields=("src_image_path", "tgt_image_path", "start_function"),
)
