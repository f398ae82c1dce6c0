#ifndef FIELDSYNC_CSQLITE_SHIM_H
#define FIELDSYNC_CSQLITE_SHIM_H

#include <sqlite3.h>

/// sqlite3_config is variadic, which Swift cannot call: one typed wrapper per use.
/// Routes SQLite's own error log (corruption found, WAL recovered, ...) to a callback.
static inline int fieldsync_sqlite3_config_log(void (*callback)(void *, int, const char *), void *context) {
    return sqlite3_config(SQLITE_CONFIG_LOG, callback, context);
}

#endif
