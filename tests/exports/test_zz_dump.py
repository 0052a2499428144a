from tests.exports.test_odm_export import *  # noqa

def test_dump(demo_sponsor):
    text = "".join(odm_export(demo_sponsor, with_audit=True))
    open("/tmp/odm_demo.xml", "w").write(text)
