/*
 * Prints where the PyConfig and PyPreConfig fields that the stub sets lie,
 * as the compiler sees CPython's own headers: one "Struct.field offset" line
 * each, and "Struct.size N". The tables in layout.rs must agree; its tests
 * compile this against every interpreter's Python.h found (and compare with
 * pyconfig_offsets.txt, which holds this program's output for every
 * supported version).
 *
 *   cc -I "$(python3.X -c 'import sysconfig; print(sysconfig.get_paths()["include"])')" \
 *       -o pyconfig_offsets pyconfig_offsets.c && ./pyconfig_offsets
 */
#include <Python.h>
#include <stddef.h>
#include <stdio.h>

#define SIZE(s) printf(#s ".size %zu\n", sizeof(s))
#define FIELD(s, f) printf(#s "." #f " %zu\n", offsetof(s, f))

int main(void)
{
    SIZE(PyConfig);
    FIELD(PyConfig, isolated);
    FIELD(PyConfig, use_environment);
    FIELD(PyConfig, dev_mode);
    FIELD(PyConfig, faulthandler);
    FIELD(PyConfig, use_hash_seed);
    FIELD(PyConfig, hash_seed);
    FIELD(PyConfig, xoptions);
    FIELD(PyConfig, warnoptions);
    FIELD(PyConfig, optimization_level);
    FIELD(PyConfig, buffered_stdio);
    FIELD(PyConfig, install_signal_handlers);
    FIELD(PyConfig, parse_argv);
    FIELD(PyConfig, argv);
    FIELD(PyConfig, program_name);
    FIELD(PyConfig, site_import);
    FIELD(PyConfig, write_bytecode);
    FIELD(PyConfig, user_site_directory);
    FIELD(PyConfig, configure_c_stdio);
    FIELD(PyConfig, pathconfig_warnings);
    FIELD(PyConfig, module_search_paths_set);
    FIELD(PyConfig, module_search_paths);
    FIELD(PyConfig, executable);
    FIELD(PyConfig, base_executable);
    FIELD(PyConfig, prefix);
    FIELD(PyConfig, base_prefix);
    FIELD(PyConfig, exec_prefix);
    FIELD(PyConfig, base_exec_prefix);
#if PY_VERSION_HEX >= 0x030B0000
    FIELD(PyConfig, safe_path);
#endif
    SIZE(PyPreConfig);
    FIELD(PyPreConfig, configure_locale);
    FIELD(PyPreConfig, coerce_c_locale);
    FIELD(PyPreConfig, utf8_mode);
    FIELD(PyPreConfig, dev_mode);
    return 0;
}
