/* shim: everything lives in iovacheck_shim.h */
#include "iovacheck_shim.h"
