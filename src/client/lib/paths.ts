/** Where the conversation with `peer` lives; links, notifications and History all go there. */
export function conversationPath(peer: string): string {
  return `/conversations/${encodeURIComponent(peer)}`;
}
