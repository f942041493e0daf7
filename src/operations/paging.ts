/** What the listings share: their largest page, and a page read one item long, to tell whether another follows. */
import { Option } from "effect"

/**
 * The most items one page of a listing holds.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_PAGE_SIZE = 100

/**
 * The page of `found` (read with a limit one above the page's, as the listings ask their
 * repository), and the request for the next page, which starts after the page's last item
 * (`keyOf`); `None` when nothing follows.
 *
 * @since 0.2.0
 * @category utils
 */
export const pageOf = <Item, Key, Request extends { readonly limit: number; readonly after: Option.Option<Key> }>(
  found: ReadonlyArray<Item>,
  page: Request,
  keyOf: (item: Item) => Key
): { readonly items: ReadonlyArray<Item>; readonly next: Option.Option<Request> } => {
  const items = found.slice(0, page.limit)
  const last = items.at(-1)
  return {
    items,
    next:
      found.length <= page.limit || last === undefined
        ? Option.none()
        : Option.some({ ...page, after: Option.some(keyOf(last)) })
  }
}
