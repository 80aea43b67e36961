/*
 * fdri_fence_chain.h - fence chains (drivers/dma-buf/dma-fence-chain.c of
 * Linux 6.1): the points of a timeline syncobj. A chain node is a fence
 * with a sequence number that signals once its own fence and every fence
 * before it in the chain have signalled.
 *
 * DOC: lifetime
 * - A chain node holds a reference on its fence and on the previous node
 *   (or plain fence), or none once that one was garbage collected: walking
 *   the chain drops links to nodes whose own fence has signalled, as
 *   dma_fence_chain_walk() does, so a chain never grows without bound.
 * - Where the kernel enables signalling lazily, a node here waits at once:
 *   it keeps one callback, with a reference, on the oldest unsignalled
 *   fence of the chain, and moves it on as fences signal; it removes it
 *   when freed, so an unsignalled chain nobody references is freed.
 * - Freeing a node frees the nodes only it referenced, iteratively.
 */
#ifndef FDRI_FENCE_CHAIN_H
#define FDRI_FENCE_CHAIN_H

#include "fdri_fence.h"

struct fdri_fence_chain {
	struct fdri_fence base;
	struct fdri_fence *prev;      /* holds a reference, or NULL */
	uint64_t prev_seqno;          /* prev's seqno if in this context, else 0 */
	struct fdri_fence *fence;     /* holds a reference */
	struct fdri_fence_cb cb;      /* on @cb_fence until the node signals */
	struct fdri_fence *cb_fence;  /* holds a reference while waited on */
};

/* to_dma_fence_chain: the chain node @f is, or NULL. */
struct fdri_fence_chain *fdri_fence_chain_of(struct fdri_fence *f);

/*
 * dma_fence_chain_alloc() + dma_fence_chain_init(): a new node after @prev
 * (may be NULL) for @fence at @seqno, taking its own references on both;
 * reuses prev's context when @seqno is later, else takes a new context
 * (and max(prev, seqno) as seqno). @now: the timestamp if it signals at
 * once. Returns a reference, NULL without memory.
 */
struct fdri_fence *fdri_fence_chain_create(struct fdri_fence *prev, struct fdri_fence *fence,
					   uint64_t seqno, int64_t now);

/* dma_fence_chain_walk without references: the node after @f, garbage
 * collecting signalled links, or NULL at the end (or if @f is no chain). */
struct fdri_fence *fdri_fence_chain_walk(struct fdri_fence *f);

/*
 * dma_fence_chain_find_seqno: replaces *@pfence (a reference the caller
 * owns) by a reference to the node that signals @seqno, or NULL if it has
 * signalled already. 0, or -EINVAL if *@pfence is no chain or has not
 * reached @seqno (*@pfence unchanged). @seqno 0: no-op.
 */
int fdri_fence_chain_find_seqno(struct fdri_fence **pfence, uint64_t seqno);

/*
 * dma_fence_unwrap_merge() of one fence, as Linux 6.1 flattens a fence
 * transferred to a timeline: its unsignalled leaves (a chain's fences from
 * the newest, an array's fences), as @stub(@now) if none, the leaf itself
 * if one, else a new array of them (new context, seqno 1). Returns a
 * reference, NULL without memory.
 */
struct fdri_fence *fdri_fence_unwrap_merge_one(struct fdri_fence *f, int64_t now,
					       struct fdri_fence *(*stub)(int64_t now));

#endif
