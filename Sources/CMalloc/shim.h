#ifndef FIELDSYNC_CMALLOC_SHIM_H
#define FIELDSYNC_CMALLOC_SHIM_H

// glibc's allocator settings (mallopt), which its Swift module leaves out.
#include <malloc.h>

#endif
