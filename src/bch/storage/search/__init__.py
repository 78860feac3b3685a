"""Search engines behind one contract (bch.storage.search.contract): the SQL engine
(bch.storage.search.sql, dialect pieces in bch.storage.search.dialect) and the bitmap engine
(bch.storage.search.bitmaps over bch.storage.bitmap_index), equal peers. Words come from the
one tokenizer, bch.storage.text_tokens. The service (bch.services.search) parses parameters,
picks the engine and assembles the answer; the v2013 surface (bch.compat.select) translates
Solr queries into the same requests."""
