"""Frequent given names (lower case, accents folded), as data.

Used only to tell people from products, places and airports under a plain
``name`` header (see :mod:`.names`); written from general knowledge of
the most common given names in English-, German-, French-, Spanish-,
Italian-, Portuguese- and Dutch-speaking countries, India and the Arabic-
speaking world. Not exhaustive and not meant to be: a share of the values
starting with one of these is the signal, not every value.
"""

from __future__ import annotations

_ENGLISH = """
aaron abby abigail adam adrian agnes aidan aiden alan albert alex alexa alexander alexandra
alexis alfred alice alicia alison allen allison alma alvin amanda amber amelia amy andre
andrea andrew andy angel angela angelica angelina angie anita ann anna annabelle anne
annette annie anthony april archie arthur ashley audrey austin ava barbara barry beatrice
becky bella ben benjamin bernard beth bethany betty beverly bill billy bob bobby bonnie
brad bradley brandon brenda brent brett brian bridget brittany brooke bruce bryan caitlin
callum cameron candace carl carla carol caroline carolyn carrie carter casey cassandra
catherine cecil cecilia chad charles charlie charlotte chelsea cheryl chester chloe chris
christian christina christine christopher cindy claire clara clarence claude claudia
clifford clyde cody colin connie connor corey craig crystal curtis cynthia daisy dakota
dale dallas dan dana daniel danielle danny darlene darren darryl dave david dawn dean
debbie deborah debra declan delores denise dennis derek derrick desmond devon diana diane
dominic don donald donna doris dorothy douglas duane dwayne dylan earl eddie edgar edith
edna edward eileen elaine eleanor eli elijah elizabeth ella ellen elliot elsie emily emma
emmett eric erica erin ernest esther ethan ethel eugene eunice eva evan evelyn everett
faith felicia fiona florence floyd frances francine francis frank fred freddie frederick
gabriel gail gary gavin gene george georgia gerald gertrude gilbert gina glen glenn gloria
gordon grace greg gregory gwen hailey hannah harold harry harvey hazel heather heidi helen
henry herbert herman holly hope howard ian ida imogen irene iris isaac isabel isabella
isla ivan ivy jack jackie jacob jacqueline jade jake james jamie jane janet janice jared
jasmine jason jay jean jeanne jeff jeffrey jennifer jenny jeremy jerome jerry jesse jessica
jessie jill jim jimmy jo joan joann joanna joanne jody joe joel john johnny jon jonathan
jordan joseph josephine josh joshua joy joyce juanita judith judy julia julian julie june
justin kara karen karla kate katherine kathleen kathryn kathy katie katrina kayla keith
kelly ken kendra kenneth kerry kevin kim kimberly kirk kristen kristin kristina krystal
kyle lance larry laura lauren lawrence leah leo leon leonard leroy leslie lester lillian
lily linda lindsay lindsey lisa lloyd logan lois lola loretta lori lorraine louis louise
lucille lucy luke luther lydia mabel madison mae marcus margaret maria marie marilyn mario
marion marjorie mark marlene marsha martha martin marvin mary mason matthew maureen max
maxine megan melanie melissa melvin mia michael micheal michelle mike mildred milton
miranda misty molly monica morgan myrtle nancy naomi natalie nathan nathaniel neil nellie
nicholas nicole noah nora norma olive oliver olivia opal oscar owen paige pam pamela
parker patricia patrick paul paula pauline peggy peter peyton philip phillip phyllis
preston priscilla rachael rachel ralph ramona randy ray raymond rebecca regina reginald
rhonda richard rick ricky riley rita rob robert roberta robin robyn rochelle rodney roger
ron ronald ronnie rosa rose rosemary rosie ross roxanne roy ruby rudy russell ruth ryan
sabrina sadie sally sam samantha samuel sandra sandy sara sarah scott sean seth shannon
sharon shawn sheila shelby sherri sherry sheryl shirley sidney simon sophia sophie stacy
stanley stella stephanie stephen steve steven stuart sue susan suzanne sylvester sylvia
tabitha tamara tammy tanya tara taylor teresa terrence terry tessa thelma theodore
theresa thomas tiffany tim timothy tina todd tom tommy toni tony tonya tracey tracy travis
trevor tristan troy tyler valerie vanessa vernon veronica vicki victor victoria vincent
viola violet virginia vivian wade wallace walter wanda warren wayne wendy wesley william
willie wilma yolanda yvonne zachary zoe
"""

_GERMAN = """
achim andreas angelika anja anke annika antje armin axel barbel bastian bernd bernhard
bettina bianca birgit brigitte carsten christa christel christiane christoph cornelia
detlef dieter dietmar dirk dominik doris edeltraud elfriede elias elke emil erich erika
ernst erwin felix finn florian franz franziska frieda friedrich fritz gabi gabriele georg
gerd gerda gerhard gertrud gisela greta gudrun gunter gunther hanna hannelore hannes hans
harald hartmut heike heinrich heinz helga helmut hildegard holger horst ilse inge ingeborg
ingrid irmgard jana janina jannik jens joachim jochen johann johanna johannes jonas jorg
josef jurgen jutta karin karl karsten katharina katrin kerstin klaus konrad kurt lars lena
leni leonie lina lothar luise lukas maik manfred manuela margarete margot marianne markus
martina mathias mathilde matthias maximilian michaela mirko monika moritz nadine niklas
norbert olaf otto petra philipp rainer ralf regina reinhard reinhold renate rolf roland
rosemarie rudolf sabine siegfried silke simone sonja stefan stefanie steffen susanne sven
tanja thorsten timo tobias torsten ulrich ulrike ursula uta ute uwe volker waltraud werner
wilhelm willi wolfgang
"""

_FRENCH = """
adele adrien agathe alain alexandre alix amandine amelie andre antoine arnaud aurelie
aurelien baptiste benoit bernadette camille capucine cecile celine chantal christophe
clement clementine colette corinne damien delphine denis didier dominique edouard elodie
eloise emile emilie emmanuel etienne eugenie fabrice francois franck genevieve gerard
gilles gisele guillaume guy helene henri herve hugues isabelle jacques jeanne jeremie
josette jules julien juliette laetitia laure laurence laurent lea lucie luc manon marc
marcel margaux marguerite marine marthe martine mathieu maurice maxime michel monique
nathalie nicolas noel odette olivier pascal paulette philippe pierre regis remi renee
romain sandrine sebastien simone stephane suzanne sylvain sylvie theo therese thibault
thierry timothee valentin virginie xavier yann yves yvette
"""

_SPANISH_PORTUGUESE = """
adolfo agustin alba alberto alejandra alejandro alfonso almudena alvaro amparo ana andres
angeles antonia antonio arturo aurora beatriz bernardo blanca bruna caio camila carlos
carmen carolina catalina catarina cesar concepcion cristina cristobal dario davi diego
diogo dolores eduarda eduardo elena emilio enrique enzo esperanza esteban fernanda
fernando francisca francisco gabriela gloria gonzalo guilherme guillermo gustavo heitor
hugo ignacio ines isabela jacinto jaime javier jesus joao joaquin jorge jose josefa juan
juana juliana julio larissa leandro leonardo leonor leticia lorena lourdes luana lucas
lucia luis luiz manuel manuela marcelo marcos margarita mariana mariano marina mateo
matheus mercedes miguel milagros montserrat murilo natalia nuria otavio pablo pedro pilar
rafael rafaela ramon raquel raul reyes ricardo rocio rodrigo rosario ruben salvador
santiago sergio soledad susana thiago tiago tomas valentina vicente vinicius vitor vitoria
ximena yasmin
"""

_ITALIAN = """
adriana agostino alda aldo alessandra alessandro alessia alfredo amedeo angelo annalisa
antonella barbara benedetta bruno carla carlo caterina cesare chiara claudio cristina
daniele davide donatella elena eleonora elisa emanuele enrico enzo ettore fabio fabrizio
federica federico filippo flavio francesca francesco franco gabriele gaetano giacomo
gianluca gianni giorgia giorgio giovanna giovanni giulia giulio giuseppe graziella guido
ilaria lorenza lorenzo luca luciano ludovica luigi marcello marco margherita massimo
matilde matteo mattia maurizio michela michele nadia nicola nicolo noemi ornella paola
paolo patrizia piero pietro raffaele renato riccardo rocco rosalba salvatore samuele
serena silvia simona simone sofia stefano teresa tommaso ugo umberto valerio vincenzo
vittoria vittorio
"""

_DUTCH = """
anouk bas bram daan femke fleur gerrit hendrik hidde ilse jasper jeroen joost joris kees
koen lieke lotte luuk maaike marieke martijn milan niels noor pieter pim rik roel sanne
sem stijn tess thijs willem wim wouter
"""

_INDIAN_ARABIC = """
aadhya aarav aditi aditya ahmad ahmed aisha ajay akash ali amir amit anand ananya anil
anjali ankit arjun arnav arun aryan ashok ayaan deepa deepak dev dinesh divya diya farhan
fatima ganesh gaurav gita gopal hari harish hassan hussein ibrahim imran irfan ishaan
ishita jaya karim kavya khalid kiran krishna kunal lakshmi lalita madhu mahesh manish
manoj meena meera mohamed mohammed mohan mukesh mustafa nandini naveen neha nikhil nisha
omar pooja pradeep prakash pranav preeti priya priyanka rahul raj rajesh rakesh ramesh
ravi rekha reyansh riya rohan rohit saanvi sachin sai salman sameer sanjay sarita shreya
shweta sita sneha sunil sunita suresh tanvi usha varun vihaan vijay vikas vikram vinod
vivek yash youssef yusuf zara zoya
"""

GIVEN_NAMES: frozenset[str] = frozenset(
    " ".join(
        (_ENGLISH, _GERMAN, _FRENCH, _SPANISH_PORTUGUESE, _ITALIAN, _DUTCH, _INDIAN_ARABIC)
    ).split()
)
