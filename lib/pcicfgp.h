/*
 * pcicfgp.h: what the PCI configuration parser's files share and nothing
 * else sees.
 */
#ifndef KELAB_PCICFGP_H
#define KELAB_PCICFGP_H

#include "pcicfg.h"
#include "rtl.h"

/* Writes the reason and returns STATUS_DEVICE_DATA_ERROR. */
NTSTATUS PciCfgFail(PCICFG_FUNCTION *Function, PCSTR Format, ...)
    __attribute__((format(printf, 2, 3)));

/* pcicfg_caps.c: walks the capability list (the BARs are already known,
   for MSI-X's table). */
NTSTATUS PciCfgWalkCapabilities(PPCICFG_READ Read, PVOID Context, PCICFG_FUNCTION *Function);

#endif
