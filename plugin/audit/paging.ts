// Lists as kubectl's --chunk-size does: `limit` objects per request, then `continue`
// with the token the apiserver returned, until it returns none. Each page is handed on
// as it arrives and dropped before the next is asked for, so memory stays at one page
// whatever the size of the cluster.

export interface ListPage {
  items: unknown[];
  /** metadata.continue of the list: absent or empty on the last page. */
  continue?: string | undefined;
}

/** Fetches one page: `continueToken` is undefined for the first. */
export type PageFetcher = (continueToken: string | undefined) => Promise<ListPage>;

/** The pages of one list, fetched one at a time as the consumer asks for the next. */
export async function* listPages(fetchPage: PageFetcher): AsyncGenerator<unknown[], void, undefined> {
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    token = page.continue || undefined;
    yield page.items;
  } while (token);
}
