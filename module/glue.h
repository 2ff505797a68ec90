/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * glue.h - the module's state as the Unbound glue sees it.
 *
 * One struct mxg_env per loaded module instance, shared by every worker
 * thread (settings immutable after init); one struct mxg_qstate per MX
 * query in flight, allocated in the query's region.
 */
#ifndef MXGUARD_GLUE_H
#define MXGUARD_GLUE_H

struct mxg_env {
	int placeholder;
};

#endif /* MXGUARD_GLUE_H */
