"""The reference safety information of the four suspect drugs, as in force when the trial's
SAE reporting began: each drug's SmPC section 4.8 (undesirable effects), its reactions written
as the CTCAE v5.0 terms the sites code with (visits.ctcae), or as a whole system organ class
where the SmPC lists the class (e.g. "increased susceptibility to infections").

Frozen here as decided; a new SmPC revision is a new RSI version with its own effective date,
entered by pharmacovigilance, never an edit of these rows.
"""

import datetime as dt

import pghistory
from django.db import migrations

INFECTIONS = "Infections and infestations"
PSYCHIATRIC = "Psychiatric disorders"

MYELOSUPPRESSION = [
    "Anemia",
    "Febrile neutropenia",
    "Neutrophil count decreased",
    "Platelet count decreased",
    "White blood cell decreased",
]

# drug: (document, effective from, terms, whole system organ classes)
RSI = {
    "dexamethasone": (
        "SmPC Dexamethasone Mylan 4 mg, rev. 2024-03",
        dt.date(2024, 3, 1),
        [
            "Hyperglycemia",
            "Hypokalemia",
            "Gastrointestinal hemorrhage",
            "Edema limbs",
            "Hypertension",
            "Cushingoid",
            "Muscle weakness lower limb",
            "Thromboembolic event",
            "Heart failure",
        ],
        [INFECTIONS, PSYCHIATRIC],
    ),
    "cytarabine": (
        "SmPC Cytarabine Hospira 100 mg/ml, rev. 2023-09",
        dt.date(2023, 9, 1),
        [
            *MYELOSUPPRESSION,
            "Mucositis oral",
            "Nausea",
            "Vomiting",
            "Diarrhea",
            "Anorexia",
            "Fever",
            "Rash maculo-papular",
            "Alanine aminotransferase increased",
            "Aspartate aminotransferase increased",
            "Blood bilirubin increased",
        ],
        [INFECTIONS],
    ),
    "amsacrine": (
        "SmPC Amsidine 75 mg/1.5 ml, rev. 2022-11",
        dt.date(2022, 11, 1),
        [
            *MYELOSUPPRESSION,
            "Nausea",
            "Vomiting",
            "Mucositis oral",
            "Diarrhea",
            "Alanine aminotransferase increased",
            "Aspartate aminotransferase increased",
            "Blood bilirubin increased",
            "Creatinine increased",
            "Atrial fibrillation",
            "Heart failure",
            "Hypotension",
            "Injection site reaction",
        ],
        [INFECTIONS],
    ),
    "azacitidine": (
        "SmPC Vidaza 25 mg/ml, rev. 2024-01",
        dt.date(2024, 1, 1),
        [
            *MYELOSUPPRESSION,
            "Nausea",
            "Vomiting",
            "Diarrhea",
            "Constipation",
            "Anorexia",
            "Fever",
            "Fatigue",
            "Injection site reaction",
            "Hypokalemia",
            "Gastrointestinal hemorrhage",
            "Intracranial hemorrhage",
            "Epistaxis",
            "Rash maculo-papular",
            "Dyspnea",
            "Headache",
            "Hypotension",
            "Creatinine increased",
            "Acute kidney injury",
            "Tumor lysis syndrome",
        ],
        [INFECTIONS],
    ),
}
REASON = "Reference safety information seeded (migration pharmacovigilance 0002)"


def seed(apps, schema_editor):
    rsi_model = apps.get_model("pharmacovigilance", "ReferenceSafetyInformation")
    reaction_model = apps.get_model("pharmacovigilance", "ExpectedReaction")
    with pghistory.context(reason=REASON):
        for drug, (document, effective_from, terms, classes) in RSI.items():
            rsi = rsi_model.objects.create(
                drug=drug, document=document, effective_from=effective_from
            )
            reaction_model.objects.bulk_create(
                [reaction_model(rsi=rsi, term=term) for term in terms]
                + [reaction_model(rsi=rsi, system_organ_class=soc) for soc in classes]
            )


class Migration(migrations.Migration):
    dependencies = [("pharmacovigilance", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
