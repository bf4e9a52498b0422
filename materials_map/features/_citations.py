"""BibTeX entries the featurizers cite (matminer's ``citations()``)."""

YAMAGUCHI2023 = (
    "@article{yamaguchi2023map, title={Drawing a materials map with an autoencoder for "
    "lithium ionic conductors}, author={Yamaguchi, Yudai and Atsumi, Taruto and Kanamori, "
    "Kenta and Tanibata, Naoto and Takeda, Hayami and Nakayama, Masanobu and Karasuyama, "
    "Masayuki and Takeuchi, Ichiro}, journal={Sci. Rep.}, volume={13}, pages={16799}, "
    "year={2023}}"
)
