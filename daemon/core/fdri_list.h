/*
 * fdri_list.h - an intrusive doubly linked list, as the kernel's list_head.
 *
 * Owns nothing: a node is embedded in its object, which owns it; a list
 * head never holds a reference to the objects on it. fdri_list_del()
 * leaves the node empty, so deleting twice is harmless.
 */
#ifndef FDRI_LIST_H
#define FDRI_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct fdri_list {
	struct fdri_list *prev, *next;
};

#define fdri_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static inline void fdri_list_init(struct fdri_list *l)
{
	l->prev = l->next = l;
}

static inline bool fdri_list_empty(const struct fdri_list *l)
{
	return l->next == l;
}

static inline void fdri_list_add_tail(struct fdri_list *head, struct fdri_list *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void fdri_list_del(struct fdri_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	fdri_list_init(n);
}

/* Moves every node of @from to the end of @to; @from is left empty. */
static inline void fdri_list_splice(struct fdri_list *from, struct fdri_list *to)
{
	if (fdri_list_empty(from))
		return;
	from->next->prev = to->prev;
	from->prev->next = to;
	to->prev->next = from->next;
	to->prev = from->prev;
	fdri_list_init(from);
}

#endif
