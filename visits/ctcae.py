"""CTCAE v5.0 terms offered for adverse-event coding: those common in R/R AML salvage therapy.

Any other CTCAE term is coded as "Other, specify" with the exact term in the specification,
as CTCAE itself allows within each system organ class.
"""

from __future__ import annotations

OTHER_SPECIFY = "Other, specify"

# (term, system organ class)
CTCAE_TERMS: tuple[tuple[str, str], ...] = (
    ("Anemia", "Blood and lymphatic system disorders"),
    ("Febrile neutropenia", "Blood and lymphatic system disorders"),
    ("Disseminated intravascular coagulation", "Blood and lymphatic system disorders"),
    ("Neutrophil count decreased", "Investigations"),
    ("Platelet count decreased", "Investigations"),
    ("White blood cell decreased", "Investigations"),
    ("Alanine aminotransferase increased", "Investigations"),
    ("Aspartate aminotransferase increased", "Investigations"),
    ("Blood bilirubin increased", "Investigations"),
    ("Creatinine increased", "Investigations"),
    ("Hyperglycemia", "Metabolism and nutrition disorders"),
    ("Hypokalemia", "Metabolism and nutrition disorders"),
    ("Tumor lysis syndrome", "Metabolism and nutrition disorders"),
    ("Anorexia", "Metabolism and nutrition disorders"),
    ("Sepsis", "Infections and infestations"),
    ("Lung infection", "Infections and infestations"),
    ("Bacteremia", "Infections and infestations"),
    ("Catheter related infection", "Infections and infestations"),
    ("Enterocolitis infectious", "Infections and infestations"),
    ("Fungal infection", "Infections and infestations"),
    ("Skin infection", "Infections and infestations"),
    ("Urinary tract infection", "Infections and infestations"),
    ("Mucositis oral", "Gastrointestinal disorders"),
    ("Nausea", "Gastrointestinal disorders"),
    ("Vomiting", "Gastrointestinal disorders"),
    ("Diarrhea", "Gastrointestinal disorders"),
    ("Constipation", "Gastrointestinal disorders"),
    ("Gastrointestinal hemorrhage", "Gastrointestinal disorders"),
    ("Fatigue", "General disorders and administration site conditions"),
    ("Fever", "General disorders and administration site conditions"),
    ("Edema limbs", "General disorders and administration site conditions"),
    ("Injection site reaction", "General disorders and administration site conditions"),
    ("Multi-organ failure", "General disorders and administration site conditions"),
    ("Heart failure", "Cardiac disorders"),
    ("Atrial fibrillation", "Cardiac disorders"),
    ("Hypertension", "Vascular disorders"),
    ("Hypotension", "Vascular disorders"),
    ("Thromboembolic event", "Vascular disorders"),
    ("Intracranial hemorrhage", "Nervous system disorders"),
    ("Headache", "Nervous system disorders"),
    ("Insomnia", "Psychiatric disorders"),
    ("Agitation", "Psychiatric disorders"),
    ("Psychosis", "Psychiatric disorders"),
    ("Rash maculo-papular", "Skin and subcutaneous tissue disorders"),
    ("Muscle weakness lower limb", "Musculoskeletal and connective tissue disorders"),
    ("Acute kidney injury", "Renal and urinary disorders"),
    ("Respiratory failure", "Respiratory, thoracic and mediastinal disorders"),
    ("Dyspnea", "Respiratory, thoracic and mediastinal disorders"),
    ("Pneumonitis", "Respiratory, thoracic and mediastinal disorders"),
    ("Epistaxis", "Respiratory, thoracic and mediastinal disorders"),
    ("Graft versus host disease", "Immune system disorders"),
    ("Allergic reaction", "Immune system disorders"),
    ("Cushingoid", "Endocrine disorders"),
    ("Death NOS", "General disorders and administration site conditions"),
)
CTCAE_TERM_NAMES: frozenset[str] = frozenset(term for term, _ in CTCAE_TERMS) | {OTHER_SPECIFY}
