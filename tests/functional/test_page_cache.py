"""The page cache is bounded by bytes as well as pages: readers choose the keys (thread,
limit, after), and a long thread's page is hundreds of kilobytes."""
import time

from moderation.mainsite.page_cache import Page, PageCache


def page(size: int, thread_id: int = 1) -> Page:
    return Page(b"x" * size, "tag", thread_id, time.monotonic() + 60)


def test_the_cache_keeps_within_its_byte_budget_dropping_the_oldest_first():
    cache = PageCache(size=100, budget=1000)
    for n in range(5):
        cache.put(("site", f"t{n}", 50, 0), page(300), cache.generation)
    assert cache.stored <= 1000
    assert [key[1] for key in cache.pages] == ["t2", "t3", "t4"]
    assert cache.get(("site", "t0", 50, 0)) is None


def test_a_page_larger_than_the_budget_is_not_kept():
    cache = PageCache(size=100, budget=1000)
    cache.put(("site", "small", 50, 0), page(10), cache.generation)
    cache.put(("site", "huge", 50, 0), page(5000), cache.generation)
    assert list(cache.pages) == [("site", "small", 50, 0)] and cache.stored == 10


def test_replacing_and_dropping_pages_keeps_the_count_of_bytes_true():
    cache = PageCache(size=100, budget=1000)
    cache.put(("site", "a", 50, 0), page(400, thread_id=1), cache.generation)
    cache.put(("site", "a", 50, 0), page(100, thread_id=1), cache.generation)
    cache.put(("site", "b", 50, 0), page(200, thread_id=2), cache.generation)
    assert cache.stored == 300
    cache.drop({1})
    assert cache.stored == 200 and list(cache.pages) == [("site", "b", 50, 0)]
    cache.drop_all()
    assert cache.stored == 0
