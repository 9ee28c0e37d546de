/* Userspace stand-in for what emit-kunit's output uses of <linux/module.h>. */
#ifndef IOVACHECK_FAKE_LINUX_MODULE_H
#define IOVACHECK_FAKE_LINUX_MODULE_H
#define MODULE_LICENSE(license) extern int iovacheck_module_license_unused
#endif
