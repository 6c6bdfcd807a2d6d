"""Credit management: policies, assessments, exposure, early warning, late-payment risk."""
