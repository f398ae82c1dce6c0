#ifndef FIELDSYNC_CZSTD_SHIM_H
#define FIELDSYNC_CZSTD_SHIM_H

#include <zstd.h>
#include <zstd_errors.h>

#endif
