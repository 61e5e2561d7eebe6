"""What `feeds check` lists when sections.yaml or authors.yaml has errors of its own."""

from __future__ import annotations

from feeds.checkreport import report_problems
from feeds.model import Problem


def problem(path: str, line: int, message: str, severity: str = "error") -> Problem:
    return Problem(path=path, line=line, message=message, severity=severity)


ARTICLE_WARNING = problem("articles/a.yaml", 1, "article has no image", "warning")
TYPO = problem("articles/b.yaml", 4, "body is empty")


def test_unknown_authors_of_a_broken_authors_yaml_are_said_once_per_file_after_its_errors():
    store = [
        problem("articles/a.yaml", 3, "unknown author 'ann'; add them to authors.yaml"),
        problem("articles/a.yaml", 4, "unknown author 'bob'; add them to authors.yaml"),
        problem("articles/b.yaml", 3, "unknown author 'ann'; add them to authors.yaml"),
        problem("articles/b.yaml", 2, "unknown section 'wra'; did you mean 'war'?"),
        ARTICLE_WARNING,
        TYPO,
        problem("authors.yaml", 9, "author 'cy' has no bio", "warning"),
        problem("authors.yaml", 7, "slug 'Ann' must be lower-case words joined by hyphens"),
    ]
    assert report_problems(store) == [
        problem("authors.yaml", 7, "slug 'Ann' must be lower-case words joined by hyphens"),
        problem("authors.yaml", 9, "author 'cy' has no bio", "warning"),
        problem(
            "authors.yaml",
            7,
            "the authors of 2 articles were not checked, because authors.yaml has errors "
            "(above); fix them, then check again",
        ),
        ARTICLE_WARNING,
        # sections.yaml is sound: an unknown section is the article's own slip.
        problem("articles/b.yaml", 2, "unknown section 'wra'; did you mean 'war'?"),
        TYPO,
    ]


def test_without_errors_in_the_meta_files_the_problems_are_listed_as_the_store_sorts_them():
    store = [
        problem("sections.yaml", 3, "1 article names the section 'x'", "warning"),
        problem("articles/b.yaml", 2, "unknown section 'x' (sections: war)"),
        TYPO,
        ARTICLE_WARNING,
    ]
    assert report_problems(store) == sorted(store)


def test_a_broken_meta_file_naming_no_article_gets_no_note():
    store = [problem("sections.yaml", 1, "file is empty"), TYPO]
    assert report_problems(store) == [problem("sections.yaml", 1, "file is empty"), TYPO]


def test_a_name_with_an_apostrophe_is_counted_in_the_cascade_too():
    # repr() writes "O'Brien" in double quotes: the message starts otherwise than 'ann'.
    store = [
        problem("articles/a.yaml", 3, 'unknown author "O\'Brien"; add them to authors.yaml'),
        problem("authors.yaml", 2, "YAML syntax error: did not find expected key"),
    ]
    assert report_problems(store) == [
        problem("authors.yaml", 2, "YAML syntax error: did not find expected key"),
        problem(
            "authors.yaml",
            2,
            "the authors of 1 article were not checked, because authors.yaml has errors "
            "(above); fix them, then check again",
        ),
    ]
