"""Expected hits of the demo capture, written by ``python -m carhunt.demo.build``.

Do not edit: change the generator and run it again. EXPECTED_HITS lists, per
analytic, each hit's evidence (``line:<n>`` in capture.jsonl). NEAR_MISSES lists
events made to resemble an analytic that must not be in any of its hits.
"""

EXPECTED_HITS: dict[str, list[list[str]]] = {
    "CAR-2013-02-003": [
        ["line:261"],
        ["line:275"],
        ["line:284"],
        ["line:301"],
        ["line:310"],
        ["line:323"],
        ["line:332"],
        ["line:340"],
        ["line:344"],
        ["line:371"],
        ["line:377"],
        ["line:383"],
        ["line:392"],
        ["line:405"],
        ["line:414"],
        ["line:433"],
        ["line:442"],
        ["line:448"],
        ["line:454"],
        ["line:463"],
        ["line:476"],
        ["line:489"],
        ["line:497"],
        ["line:501"],
        ["line:528"],
        ["line:534"],
        ["line:540"],
        ["line:549"],
        ["line:562"],
        ["line:571"],
        ["line:579"],
        ["line:583"],
        ["line:610"],
        ["line:616"],
        ["line:622"],
        ["line:631"],
        ["line:644"],
        ["line:653"],
        ["line:661"],
        ["line:671"],
        ["line:677"],
        ["line:1013"],
        ["line:1024"],
        ["line:1121"],
        ["line:1136"],
        ["line:1152"],
        ["line:1167"],
        ["line:1183"],
        ["line:1200"],
        ["line:1216"],
        ["line:1232"],
        ["line:1260"],
        ["line:1276"],
        ["line:1294"],
        ["line:1309"],
        ["line:1324"],
        ["line:1342"],
        ["line:1358"],
        ["line:1376"],
        ["line:1391"],
        ["line:1407"],
        ["line:1422"],
        ["line:1438"],
        ["line:1456"],
        ["line:1471"],
        ["line:1487"],
        ["line:1502"],
        ["line:1517"],
    ],
    "CAR-2013-03-001": [
        ["line:261", "line:262"],
        ["line:1013", "line:1014"],
    ],
    "CAR-2013-04-002": [
        [
            "line:1027", "line:1029", "line:1031", "line:1035", "line:1039", "line:1043",
            "line:1045", "line:1049", "line:1061", "line:1063", "line:1069",
        ],
    ],
    "CAR-2013-05-002": [
        ["line:1066"],
    ],
    "CAR-2013-05-004": [
        ["line:1069"],
    ],
    "CAR-2013-05-009": [
        ["line:672", "line:682", "line:685", "line:1019", "line:1066"],
        ["line:1086", "line:1137", "line:1217", "line:1310", "line:1392", "line:1472"],
    ],
    "CAR-2013-07-001": [
        ["line:1053"],
        ["line:1071"],
        ["line:1073"],
        ["line:1075"],
    ],
    "CAR-2013-07-005": [
        ["line:1071"],
    ],
    "CAR-2013-08-001": [
        ["line:1061"],
        ["line:1063"],
    ],
    "CAR-2013-09-005": [
        ["line:671"],
        ["line:682"],
    ],
    "CAR-2013-10-002": [
        ["line:1057"],
    ],
    "CAR-2014-03-005": [
        ["line:671", "line:675"],
    ],
    "CAR-2014-03-006": [
        ["line:1059"],
    ],
    "CAR-2014-04-003": [
        ["line:270"],
        ["line:1016"],
        ["line:1089"],
    ],
    "CAR-2014-05-001": [
        ["line:14", "line:15", "line:1533", "line:1534"],
        ["line:16", "line:17", "line:695", "line:696"],
        ["line:18", "line:19", "line:1110", "line:1111"],
        ["line:60", "line:61", "line:1556", "line:1557"],
        ["line:90", "line:91", "line:805", "line:806"],
        ["line:92", "line:93", "line:1252", "line:1253"],
        ["line:123", "line:124", "line:1582", "line:1583"],
        ["line:169", "line:170", "line:1606", "line:1607"],
        ["line:215", "line:216", "line:1632", "line:1633"],
        ["line:273", "line:281", "line:1093", "line:1095"],
        ["line:669", "line:670", "line:1080", "line:1081"],
        ["line:673", "line:675", "line:1084", "line:1085"],
    ],
    "CAR-2014-05-002": [
        ["line:671"],
    ],
    "CAR-2014-07-001": [
        ["line:682"],
    ],
    "CAR-2014-11-002": [
        ["line:261"],
        ["line:275"],
        ["line:284"],
        ["line:671"],
        ["line:677"],
        ["line:1013"],
        ["line:1024"],
    ],
    "CAR-2014-11-003": [
        ["line:261"],
        ["line:262"],
        ["line:284"],
        ["line:1086"],
    ],
    "CAR-2014-11-004": [
        ["line:266"],
    ],
    "CAR-2014-11-006": [
        ["line:26"],
        ["line:40"],
        ["line:54"],
        ["line:72"],
        ["line:86"],
        ["line:117"],
        ["line:135"],
        ["line:149"],
        ["line:163"],
        ["line:181"],
        ["line:195"],
        ["line:209"],
        ["line:227"],
        ["line:241"],
        ["line:255"],
        ["line:268"],
        ["line:307"],
        ["line:329"],
        ["line:368"],
        ["line:389"],
        ["line:411"],
        ["line:439"],
        ["line:460"],
        ["line:486"],
        ["line:525"],
        ["line:546"],
        ["line:568"],
        ["line:607"],
        ["line:628"],
        ["line:650"],
        ["line:668"],
        ["line:1090"],
    ],
    "CAR-2014-11-008": [
        ["line:284"],
    ],
    "CAR-2016-03-001": [
        ["line:267"],
        ["line:276"],
        ["line:285"],
        ["line:287"],
        ["line:1025"],
        ["line:1027"],
        ["line:1029"],
        ["line:1031"],
        ["line:1035"],
        ["line:1039"],
        ["line:1041"],
        ["line:1043"],
        ["line:1045"],
    ],
    "CAR-2016-03-002": [
        ["line:1092"],
    ],
}

NEAR_MISSES: dict[str, list[str]] = {
    "CAR-2013-02-003": [
    ],
    "CAR-2013-03-001": [
        "line:1201", "line:1295", "line:1377", "line:1457",
    ],
    "CAR-2013-04-002": [
        "line:345", "line:347", "line:349", "line:351", "line:353", "line:355", "line:357",
        "line:359", "line:361", "line:364", "line:502", "line:504", "line:506", "line:508",
        "line:510", "line:512", "line:514", "line:516", "line:518", "line:520", "line:584",
        "line:586", "line:588", "line:590", "line:592", "line:594", "line:596", "line:598",
        "line:600", "line:602",
    ],
    "CAR-2013-05-002": [
    ],
    "CAR-2013-05-004": [
        "line:685", "line:1066",
    ],
    "CAR-2013-05-009": [
    ],
    "CAR-2013-07-001": [
        "line:1122", "line:1184", "line:1277", "line:1359", "line:1439", "line:1518",
    ],
    "CAR-2013-07-005": [
        "line:1122",
    ],
    "CAR-2013-08-001": [
        "line:1064", "line:1066",
    ],
    "CAR-2013-09-005": [
        "line:260",
    ],
    "CAR-2013-10-002": [
        "line:1058", "line:1170", "line:1263", "line:1345", "line:1425", "line:1505",
    ],
    "CAR-2014-03-005": [
        "line:259", "line:260", "line:316", "line:317", "line:398", "line:399", "line:469",
        "line:471", "line:484", "line:485", "line:555", "line:557", "line:637", "line:639",
        "line:1087", "line:1138", "line:1218", "line:1312", "line:1327", "line:1393",
        "line:1473",
    ],
    "CAR-2014-03-006": [
    ],
    "CAR-2014-04-003": [
        "line:1118", "line:1149", "line:1180", "line:1198", "line:1229", "line:1273",
        "line:1291", "line:1322", "line:1355", "line:1373", "line:1404", "line:1435",
        "line:1453", "line:1484", "line:1515",
    ],
    "CAR-2014-05-001": [
        "line:483", "line:484", "line:1326", "line:1327",
    ],
    "CAR-2014-05-002": [
    ],
    "CAR-2014-07-001": [
    ],
    "CAR-2014-11-002": [
    ],
    "CAR-2014-11-003": [
        "line:1536", "line:1559", "line:1572", "line:1585", "line:1609", "line:1620",
        "line:1635",
    ],
    "CAR-2014-11-004": [
        "line:270",
    ],
    "CAR-2014-11-006": [
    ],
    "CAR-2014-11-008": [
        "line:22", "line:36", "line:50", "line:68", "line:82", "line:113", "line:131",
        "line:145", "line:159", "line:177", "line:191", "line:205", "line:223", "line:237",
        "line:251", "line:697", "line:708", "line:718", "line:734", "line:746", "line:757",
        "line:768", "line:778", "line:807", "line:819", "line:830", "line:841", "line:851",
        "line:867", "line:879", "line:890", "line:901", "line:911", "line:927", "line:939",
        "line:950", "line:961", "line:971", "line:991", "line:1003", "line:1112", "line:1130",
        "line:1143", "line:1161", "line:1174", "line:1192", "line:1210", "line:1223",
        "line:1254", "line:1267", "line:1285", "line:1303", "line:1316", "line:1336",
        "line:1349", "line:1367", "line:1385", "line:1398", "line:1416", "line:1429",
        "line:1447", "line:1465", "line:1478", "line:1496", "line:1509", "line:1535",
        "line:1558", "line:1572", "line:1584", "line:1608", "line:1620", "line:1634",
    ],
    "CAR-2016-03-001": [
        "line:678", "line:681", "line:1078", "line:1082", "line:1325",
    ],
    "CAR-2016-03-002": [
        "line:1168", "line:1261", "line:1343", "line:1408", "line:1423", "line:1503",
    ],
}

BACKGROUND_ANALYTICS: tuple[str, ...] = ("CAR-2013-02-003", "CAR-2014-05-001", "CAR-2014-11-006")
