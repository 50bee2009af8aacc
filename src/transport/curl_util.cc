#include "transport/curl_util.h"
