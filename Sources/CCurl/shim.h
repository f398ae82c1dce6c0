#ifndef FIELDSYNC_CCURL_SHIM_H
#define FIELDSYNC_CCURL_SHIM_H

#include <curl/curl.h>

/// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call:
/// one typed wrapper per argument type.
static inline CURLcode fieldsync_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode fieldsync_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode fieldsync_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode fieldsync_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode fieldsync_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*fieldsync_curl_data_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode fieldsync_curl_setopt_callback(CURL *handle, CURLoption option,
                                                      fieldsync_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode fieldsync_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode fieldsync_curl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}



#include <zlib.h>

/// deflateInit2 is a macro: start a gzip stream (window bits 15 + 16) at the default level.
static inline int fieldsync_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

/// inflateInit2 is a macro: start reading a gzip stream.
static inline int fieldsync_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}
#endif
