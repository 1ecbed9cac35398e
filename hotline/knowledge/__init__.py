"""Knowledge: the knowledge base (internal and public articles), canned responses and macros, and search.

Owns articles in categories (Russian and English, translations linked) with versions, files, related
articles, "was this helpful?" feedback and their use on tickets; the portal's article suggestions and how
often they spare a request (deflection); canned responses with placeholders and macros that apply several
desk actions through the desk's services; and the one search service over tickets, contacts and articles,
with its index (``SearchDocument``) kept current by sync subscribers to the desk's, the customers' and its
own events.
Imports: core, web, customers, desk. Publishes: ArticleSaved, ArticleDeleted, MacroApplied (knowledge.events).
"""
