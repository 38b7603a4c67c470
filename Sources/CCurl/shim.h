// libcurl for Swift. curl_easy_setopt and curl_easy_getinfo are C variadic functions, which
// Swift cannot call; these typed inline wrappers are the only code here.
#ifndef GOVERNOR_CCURL_SHIM_H
#define GOVERNOR_CCURL_SHIM_H

#include <curl/curl.h>

typedef size_t (*governor_curl_data_callback)(char *data, size_t size, size_t count, void *user);

static inline CURLcode governor_curl_set_long(CURL *curl, CURLoption option, long value) {
  return curl_easy_setopt(curl, option, value);
}

static inline CURLcode governor_curl_set_string(CURL *curl, CURLoption option, const char *value) {
  return curl_easy_setopt(curl, option, value);
}

static inline CURLcode governor_curl_set_pointer(CURL *curl, CURLoption option, void *value) {
  return curl_easy_setopt(curl, option, value);
}

static inline CURLcode governor_curl_set_headers(CURL *curl, struct curl_slist *headers) {
  return curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
}

static inline CURLcode governor_curl_set_callback(
    CURL *curl, CURLoption option, governor_curl_data_callback callback) {
  return curl_easy_setopt(curl, option, callback);
}

static inline CURLMcode governor_curl_multi_set_long(CURLM *multi, CURLMoption option, long value) {
  return curl_multi_setopt(multi, option, value);
}

static inline CURLcode governor_curl_get_long(CURL *curl, CURLINFO info, long *value) {
  return curl_easy_getinfo(curl, info, value);
}

static inline CURLcode governor_curl_get_pointer(CURL *curl, CURLINFO info, void **value) {
  return curl_easy_getinfo(curl, info, value);
}

static inline CURLcode governor_curl_get_double(CURL *curl, CURLINFO info, double *value) {
  return curl_easy_getinfo(curl, info, value);
}

#endif
