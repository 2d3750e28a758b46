package dev.keygate.admin.web;

import java.util.List;

/**
 * One page of an owner's keys.
 *
 * @param keys the keys, in id order
 * @param nextCursor pass as {@code cursor} for the next page; {@code null} on the last page
 */
public record KeyPageView(List<KeyView> keys, String nextCursor) {}
