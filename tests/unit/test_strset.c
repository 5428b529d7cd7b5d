/*
 * test_strset.c — the hashed set of strings (include/xp.h, xp_strset_*):
 * an add tells new from present, exact bytes (case matters: callers fold
 * it into the key), every entry still found after the table has grown many
 * times, colliding chains kept apart, an empty string a key like any other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "xp.h"

static void
test_add_tells_new_from_present(void **state)
{
    struct xp_strset *set = xp_strset_new();
    char key[8];

    (void)state;
    assert_int_equal(xp_strset_count(set), 0);
    assert_false(xp_strset_has(set, "d1.b17.test"));
    assert_int_equal(xp_strset_add(set, "d1.b17.test"), 1);
    assert_int_equal(xp_strset_add(set, "d1.b17.test"), 0);
    assert_true(xp_strset_has(set, "d1.b17.test"));
    assert_false(xp_strset_has(set, "D1.b17.test"));     /* bytes, not names */
    assert_int_equal(xp_strset_add(set, "D1.b17.test"), 1);
    assert_int_equal(xp_strset_add(set, ""), 1);
    assert_int_equal(xp_strset_add(set, ""), 0);
    /* the set keeps its own copy */
    snprintf(key, sizeof(key), "abc");
    assert_int_equal(xp_strset_add(set, key), 1);
    key[0] = 'x';
    assert_true(xp_strset_has(set, "abc"));
    assert_false(xp_strset_has(set, "xbc"));
    assert_int_equal(xp_strset_count(set), 4);
    xp_strset_free(set);
    xp_strset_free(NULL);
    assert_int_equal(xp_strset_count(NULL), 0);
}

/* Far past the first table: each key found once, none invented. */
static void
test_many_keys_across_growth(void **state)
{
    struct xp_strset *set = xp_strset_new();
    char key[64];
    int i;

    (void)state;
    for (i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "d%d.b17.test", i);
        assert_int_equal(xp_strset_add(set, key), 1);
    }
    assert_int_equal(xp_strset_count(set), 20000);
    for (i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "d%d.b17.test", i);
        assert_true(xp_strset_has(set, key));
        assert_int_equal(xp_strset_add(set, key), 0);
    }
    for (i = 20000; i < 20100; i++) {
        snprintf(key, sizeof(key), "d%d.b17.test", i);
        assert_false(xp_strset_has(set, key));
    }
    assert_int_equal(xp_strset_count(set), 20000);
    xp_strset_free(set);
}

/* Keys sharing a bucket (or a whole hash) stay apart: the strings decide. */
static void
test_keys_sharing_a_bucket(void **state)
{
    struct xp_strset *set = xp_strset_new();
    char key[32];
    int i, found = 0;

    (void)state;
    /* FNV-1a collisions are rare; a bucket collision in a 64-slot table is
     * not: any 65 keys share at least one bucket. */
    for (i = 0; i < 65; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        xp_strset_add(set, key);
    }
    for (i = 0; i < 65; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        found += xp_strset_has(set, key);
    }
    assert_int_equal(found, 65);
    assert_false(xp_strset_has(set, "k65"));
    xp_strset_free(set);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_tells_new_from_present),
        cmocka_unit_test(test_many_keys_across_growth),
        cmocka_unit_test(test_keys_sharing_a_bucket),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
